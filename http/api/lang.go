package api

import (
	"github.com/gin-gonic/gin"

	"fundus/web"
)

// requestLang is the language of a request, as the pages pick it: the
// language cookie the pages set, else Accept-Language, else German. A
// pledge's or a registration's mails are written in it.
func requestLang(c *gin.Context) string {
	cookie, _ := c.Cookie("fundus_lang") // http/ui's langCookie
	return web.Lang(cookie, c.GetHeader("Accept-Language"))
}
